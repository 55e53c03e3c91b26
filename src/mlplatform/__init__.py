"""mlplatform."""
