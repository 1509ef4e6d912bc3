"""pydash.objects subset: get, set_, omit over dicts, lists and attributes, with "a.b.0" paths."""

_MISSING = object()


def _keys(path):
    if isinstance(path, (list, tuple)):
        return list(path)
    return [] if path is None or path == "" else str(path).split(".")


def _step(obj, key):
    if isinstance(obj, dict):
        return obj.get(key, _MISSING)
    if isinstance(obj, (list, tuple)):
        try:
            return obj[int(key)]
        except (ValueError, IndexError):
            return _MISSING
    return getattr(obj, str(key), _MISSING)


def get(obj, path, default=None):
    for key in _keys(path):
        obj = _step(obj, key)
        if obj is _MISSING:
            return default
    return obj


def set_(obj, path, value):
    keys = _keys(path)
    target = obj
    for key in keys[:-1]:
        nxt = _step(target, key)
        if nxt is _MISSING or nxt is None:
            nxt = {}
            if isinstance(target, dict):
                target[key] = nxt
            else:
                setattr(target, key, nxt)
        target = nxt
    if isinstance(target, dict):
        target[keys[-1]] = value
    elif isinstance(target, list):
        target[int(keys[-1])] = value
    else:
        setattr(target, keys[-1], value)
    return obj


def omit(obj, *keys):
    flat = set()
    for k in keys:
        flat.update(k if isinstance(k, (list, tuple, set)) else [k])
    return {k: v for k, v in (obj or {}).items() if k not in flat}
