"""The window's panels: the settings (controls), the story and its strips (narration), the timeline bar,
and File > Open sweep's table of a sweep's runs (sweep_browser)."""
