"""Identity resolution: normalisation, blocking, Fellegi–Sunter scoring, the trained model."""
