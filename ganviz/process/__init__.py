"""The training process and how the window talks to it: protocol (the messages), handle (start, send,
stop; the window's side, torch-free), worker (the process itself), phases (slow motion's frames).

Nothing here imports Qt. Importing this package imports nothing: the window imports protocol and
handle, and only the spawned process imports worker (and with it torch)."""
