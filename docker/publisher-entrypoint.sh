#!/bin/sh
# The API of docker-compose.yml: funds its publisher wallet from the ledger's faucet on
# first start, then runs `walrus api` with the arguments given.
set -eu
LEDGER="${LEDGER:-http://ledger:9180}"
WALLET=/data/publisher.toml

until curl -fsS "$LEDGER/v1/health" >/dev/null; do
    echo "waiting for the ledger at $LEDGER"
    sleep 1
done
if [ ! -f /data/funded ]; then
    walrus --wallet "$WALLET" --ledger "$LEDGER" faucet --amount 100000
    touch /data/funded
fi
exec walrus api --wallet "$WALLET" --ledger "$LEDGER" "$@"
