/**
 * The seed articles' manifests, verbatim (test/fixtures/seeds): shared by the scheduling and trace seed specs so a
 * scenario is the same text in both.
 */

/** Seed 002: the hostNetwork nginx Deployment of the cloud provider's guide (no containerPort declared). */
export const SEED_002_DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: nginx
spec:
  replicas: 2
  selector:
    matchLabels:
      app: nginx
  template:
    metadata:
      labels:
        app: nginx
    spec:
      hostNetwork: true
      containers:
      - image: nginx:alpine
        name: nginx
      imagePullSecrets:
      - name: default-secret
`;

/** Seed 003: the NodePort Service whose selector name: nginx misses the Deployment's app: nginx pods. */
export const SEED_003_NODEPORT = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: nginx-deployment
  labels:
    app: nginx
spec:
  replicas: 1
  selector:
    matchLabels:
      app: nginx
  template:
    metadata:
      labels:
        app: nginx
    spec:
      nodeSelector:
        nginx: ok
      containers:
        - name: nginx
          image: nginx:stable
          command: ["nginx", "-g", "daemon off;"]
---
kind: Service
apiVersion: v1
metadata:
  name: nginx-svc
spec:
  type: NodePort
  ports:
    - port: 80
      nodePort: 30001
  selector:
    name: nginx
`;

/** Seed 003: hostNetwork and hostPort together (only hostNetwork takes effect). */
export const SEED_003_HOSTNET_HOSTPORT = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: server-deployment
  labels:
    app: server
spec:
  replicas: 3
  selector:
    matchLabels:
      app: server
  template:
    metadata:
      labels:
        app: server
    spec:
      hostNetwork: true
      containers:
        - name: server
          image: techoc/server:alpine
          ports:
            - containerPort: 9697
              hostPort: 9697
          env:
            - name: PORT
              value: "9697"
`;
