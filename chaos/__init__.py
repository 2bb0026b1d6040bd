"""The fault run (`make chaos`): real processes on PostgreSQL, faults injected while registrations flow."""
