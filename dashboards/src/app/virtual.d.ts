/** Latvia's outline, built from world-atlas by the build (vite.config.ts). */
declare module 'virtual:latvia-outline' {
  import type { Feature } from 'geojson';
  const outline: Feature;
  export default outline;
}
