"""Loads CLI v2 YAML files with the real Azure ML parser (azure-ai-ml, what `az ml … create -f` runs first) and
prints one JSON line per file: {"file", "ok", "kind", "type", "error"}. Usage: referee.py FILE... (the loader is
chosen from the file's `$schema`, else from where it lies: jobs/, components/, models/, environments/, data/)."""
import json
import os
import sys
import warnings

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # the pydash stand-in
warnings.filterwarnings("ignore")

import yaml  # noqa: E402
from azure.ai.ml import load_component, load_data, load_environment, load_job, load_model  # noqa: E402

LOADERS = {"job": load_job, "component": load_component, "model": load_model, "environment": load_environment, "data": load_data}


def kind_of(path, doc):
    schema = str((doc or {}).get("$schema", "")).lower()
    for word, kind in (("job", "job"), ("component", "component"), ("model", "model"), ("environment", "environment"), ("data", "data")):
        if word in schema.rsplit("/", 1)[-1]:
            return kind
    parts = os.path.normpath(path).split(os.sep)
    for folder, kind in (("jobs", "job"), ("components", "component"), ("models", "model"), ("environments", "environment"), ("data", "data")):
        if folder in parts:
            return kind
    return None


def main(files):
    for path in files:
        line = {"file": path, "ok": False}
        try:
            with open(path, encoding="utf-8") as f:
                doc = yaml.safe_load(f)
            kind = kind_of(path, doc)
            line["kind"] = kind
            if kind is None:
                raise ValueError("not a job, component, model, environment or data YAML")
            entity = LOADERS[kind](source=path)
            line["type"] = getattr(entity, "type", None)
            if kind == "job" and getattr(entity, "type", None) == "pipeline":
                # Steps must resolve to components the parser could build (a relative path is loaded here).
                line["steps"] = {n: type(j.component).__name__ for n, j in entity.jobs.items()}
            line["ok"] = True
        except Exception as err:  # noqa: BLE001 - the referee reports every refusal as data
            line["error"] = f"{type(err).__name__}: {err}"
        print(json.dumps(line, default=str), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
