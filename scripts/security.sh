#!/usr/bin/env bash
# The security checks, rerunnable: the authorisation matrix over every route of the OpenAPI
# description with each permission alone, what a key may read and revoke, the scrubbing forms,
# the outbound policy, the module-install attacks, the limits on connections and key guesses,
# and the template memory budget; then, with --attacks, the resource attacks against a release
# build of `riposte serve`, each with its peak memory.
#
#     scripts/security.sh              # the tests (debug build)
#     scripts/security.sh --attacks    # and the attacks (release build)
set -euo pipefail
cd "$(dirname "$0")/.."

filters=(
    every_route_refuses_every_key_without_its_permission
    a_key_revokes_only_keys_holding_no_more_than_it
    a_key_may_take_only_its_share
    a_key_that_may_not_read_alerts
    a_write_reveals_nothing
    scrub
    secret
    outbound_policy
    metadata_services
    an_alert_id_cannot_lead_the_key
    only_alert_ids_reach_the_url
    a_module_process_sees_only
    symlink
    lock
    per_address
    guesses
    unknown_keys
    template_that_builds_huge_values
    strings_doubled_by_operators
    what_a_render_holds
    what_a_render_builds
    constant_operations_are_not_built
    full
    batch
)
cargo test --workspace -- "${filters[@]}"

if [[ "${1:-}" == "--attacks" ]]; then
    cargo build --release -p riposte
    python3 scripts/attacks.py target/release/riposte
fi
