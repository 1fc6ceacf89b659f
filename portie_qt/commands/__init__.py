"""Terminal sub-commands (`portie license`, `portie scan`, `portie free`). Never import Qt."""
