"""What every Duban service shares. Nothing service-specific lives here."""
