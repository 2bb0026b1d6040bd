"""`make run`: the whole marketplace on this machine (`python -m deploy.local.run`)."""
