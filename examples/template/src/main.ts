import { invoke } from "@tauri-apps/api/core";

const form = document.querySelector<HTMLFormElement>("#greet-form");
const input = document.querySelector<HTMLInputElement>("#greet-input");
const message = document.querySelector<HTMLParagraphElement>("#greet-msg");

form?.addEventListener("submit", async (event) => {
  event.preventDefault();
  if (message && input) {
    message.textContent = await invoke<string>("greet", { name: input.value });
  }
});
