#!/bin/sh
# Print the path of a working Python interpreter called $1 (python3.13, say, or a path), or
# exit 1 if there is none. PATH first, then pyenv's installed versions: pyenv puts a shim for
# every version on PATH, and the shim of a version that is installed but not selected fails
# when run, so each candidate must actually start.
name=${1:?usage: find_python.sh python3.X}
starts() { "$1" -c "import sys" >/dev/null 2>&1; }

if candidate=$(command -v "$name" 2>/dev/null) && starts "$candidate"; then
    echo "$candidate"
    exit 0
fi
pyenv_root=${PYENV_ROOT:-$HOME/.pyenv}
for candidate in $(ls -d "$pyenv_root"/versions/*/bin/"$name" 2>/dev/null | sort -r -V); do
    if starts "$candidate"; then
        echo "$candidate"
        exit 0
    fi
done
exit 1
