// Bundles the page into dist/ (what tauri.conf.json's frontendDist embeds). This folder has no
// node_modules of its own: Vite and @tauri-apps/api come from heycat-data's app/ui.
const here = (path) => new URL(path, import.meta.url).pathname;

export default {
  resolve: { alias: { "@tauri-apps/api": here("../../../app/ui/node_modules/@tauri-apps/api") } },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    rollupOptions: { output: { entryFileNames: "main.js", assetFileNames: "[name][extname]" } },
  },
};
