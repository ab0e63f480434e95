// voicebridge console: a little plain JavaScript, no build step. Everything works without it except
// recording in the browser, the copy button and choosing MP3 for browsers that can't play Opus.
"use strict";
(function () {
  const probe = document.createElement("audio");
  const opus = probe.canPlayType && probe.canPlayType('audio/ogg; codecs="opus"') !== "";
  const fmt = opus ? "ogg" : "mp3";

  // the format the speak form asks for
  document.querySelectorAll("input.fmt").forEach((input) => { input.value = fmt; });
  // players of clips made as Ogg: switch to MP3 where Opus does not play
  if (!opus) {
    document.querySelectorAll("audio[src$='.ogg']").forEach((a) => { a.src = a.src.replace(/\.ogg$/, ".mp3"); });
  }
  // samples: load on demand
  document.querySelectorAll("audio.sample").forEach((a) => {
    a.src = "/voices/sample?voice=" + encodeURIComponent(a.dataset.voice) + "&fmt=" + fmt;
  });

  // the copy button of a voice ID
  document.querySelectorAll("button.copy").forEach((button) => {
    button.addEventListener("click", async () => {
      const text = document.getElementById(button.dataset.copy).textContent.trim();
      try {
        await navigator.clipboard.writeText(text);
      } catch (e) {
        const range = document.createRange();
        range.selectNodeContents(document.getElementById(button.dataset.copy));
        window.getSelection().removeAllRanges();
        window.getSelection().addRange(range);
        document.execCommand("copy");
      }
      button.textContent = button.dataset.done;
    });
  });

  // forms that ask first (deleting a voice)
  document.querySelectorAll("form.confirm").forEach((form) => {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  });

  // recording a reference clip: MediaRecorder → the form's file input
  const record = document.getElementById("record");
  const fileInput = document.getElementById("clone-file");
  if (record && fileInput) {
    const box = record.parentElement;
    if (!window.MediaRecorder || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      record.disabled = true;
      record.title = box.dataset.unavailable;
      return;
    }
    let recorder = null;
    const label = record.textContent;
    record.addEventListener("click", async () => {
      if (recorder && recorder.state === "recording") {
        recorder.stop();
        return;
      }
      let stream;
      try {
        stream = await navigator.mediaDevices.getUserMedia({ audio: true });
      } catch (e) {
        record.title = box.dataset.unavailable;
        return;
      }
      const parts = [];
      recorder = new MediaRecorder(stream);
      recorder.ondataavailable = (e) => { if (e.data.size) parts.push(e.data); };
      recorder.onstop = () => {
        stream.getTracks().forEach((t) => t.stop());
        const type = recorder.mimeType || "audio/webm";
        const ext = type.includes("ogg") ? "ogg" : type.includes("mp4") ? "m4a" : "webm";
        const file = new File(parts, "recording." + ext, { type: type });
        const transfer = new DataTransfer();
        transfer.items.add(file);
        fileInput.files = transfer.files;
        const player = document.getElementById("recorded");
        player.src = URL.createObjectURL(file);
        player.hidden = false;
        record.textContent = label;
      };
      recorder.start();
      record.textContent = record.dataset.stop;
    });
  }
})();
