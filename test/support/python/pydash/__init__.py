"""A stand-in for the few `pydash` calls azure-ai-ml 1.4.0 makes while loading YAML (Debian does not package
pydash). Test tooling only: get/omit at the top level, objects.get/objects.set_."""
from . import objects
from .objects import get, omit, set_

__all__ = ["get", "omit", "set_", "objects"]
