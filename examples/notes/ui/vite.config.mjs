// Bundles the page into dist/ (what tauri.conf.json's frontendDist embeds).
export default {
  build: {
    outDir: "dist",
    emptyOutDir: true,
    rollupOptions: { output: { entryFileNames: "main.js", assetFileNames: "[name][extname]" } },
  },
};
