#!/bin/sh
# A storage node of docker-compose.yml: on first start it creates its configuration and key
# in /data, funds an operator wallet from the ledger's faucet, registers the node and stakes
# with it; every start then runs it. NAME is the node's service name (its address on the
# compose network).
set -eu
: "${NAME:?set NAME to the node's service name}"
LEDGER="${LEDGER:-http://ledger:9180}"
WALLET=/data/operator.toml

until curl -fsS "$LEDGER/v1/health" >/dev/null; do
    echo "waiting for the ledger at $LEDGER"
    sleep 1
done
if [ ! -f /data/node.toml ]; then
    walrus node init --dir /data --name "$NAME" --listen 0.0.0.0:9200 \
        --public-url "http://$NAME:9200" --ledger-url "$LEDGER"
fi
if [ ! -f /data/registered ]; then
    walrus --wallet "$WALLET" --ledger "$LEDGER" faucet --amount 2000
    walrus --wallet "$WALLET" --ledger "$LEDGER" node register --config /data/node.toml \
        --stake 1000
    touch /data/registered
fi
exec walrus node run --config /data/node.toml
