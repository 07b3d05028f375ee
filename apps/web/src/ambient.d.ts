// react-dom ships no types and @types/react-dom is not installed: the one entry point the page uses.
declare module 'react-dom/client' {
  import type { ReactNode } from 'react';
  export interface Root {
    render(children: ReactNode): void;
    unmount(): void;
  }
  export function createRoot(container: Element | DocumentFragment): Root;
}

// Vite bundles the stylesheet the entry point imports.
declare module '*.css';
