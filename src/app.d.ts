// See https://svelte.dev/docs/kit/types#app.d.ts
declare global {
  namespace App {
    interface Error {
      /** Short kebab-case reason; never patient data. */
      code?: string;
    }
  }
}

export {};
