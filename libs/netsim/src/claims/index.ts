export { portClaims } from './claims';
