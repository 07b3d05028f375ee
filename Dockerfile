# One image, two roles: the API (default) and the worker (command: node dist/apps/worker/main.js).
FROM node:24-bookworm-slim AS build
WORKDIR /app
ENV NX_NO_CLOUD=true NX_DAEMON=false CHECKPOINT_DISABLE=1
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npx prisma generate && npx nx run-many -t build -p api worker cli --outputStyle=static

FROM node:24-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production HOST=0.0.0.0 PORT=3000
COPY --from=build /app/package.json /app/package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY --from=build /app/prisma ./prisma
COPY --from=build /app/tools/prisma-wasm-migrate.mjs ./tools/prisma-wasm-migrate.mjs
USER node
EXPOSE 3000
CMD ["node", "dist/apps/api/main.js"]
