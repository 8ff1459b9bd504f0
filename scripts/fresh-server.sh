# Sourced by the scripts that test a real server: starts "$binary serve" on a fresh data
# directory and a free port, waits for it to answer, and stops it (and removes the directory)
# when the calling script exits. Sets data_dir, port and base.
data_dir="$(mktemp -d)"
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
base="http://127.0.0.1:$port"
"$binary" serve --data-dir "$data_dir" --listen "127.0.0.1:$port" >"$data_dir/server.log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null; wait "$server" 2>/dev/null; rm -rf "$data_dir"' EXIT
for _ in $(seq 100); do
    curl -sf "$base/health" >/dev/null && break
    sleep 0.1
done
