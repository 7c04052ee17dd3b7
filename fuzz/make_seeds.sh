#!/usr/bin/env bash
# Regenerates fuzz/seeds/<target>/ from the repository's fixtures and malformed-input corpus.
# The seeds are committed; run this only when the fixtures change. Files over 100 KB are left
# out. Needs only coreutils and gzip (no Python).
set -euo pipefail
cd "$(dirname "$0")"
root=..
snap=$root/crates/dexposure-snapshot/tests/data
max=100000

rm -rf seeds
mkdir -p seeds/{load_whole,load_stream,load_gzip,scenario,holdings_csv,metadata,checkpoint}

small() { [ "$(stat -c %s "$1")" -lt "$max" ]; }

# Loaders: the malformed corpus (plain and gzip) and the fixtures.
for f in "$snap"/malformed/*.json "$snap"/malformed/*.json.gz "$root"/datasets/fixture/tiny.json "$root"/datasets/fixture/tiny.json.gz; do
  small "$f" || continue
  cp "$f" seeds/load_whole/
  cp "$f" seeds/load_stream/
done
# Gzip: the .gz files as they are, and plain documents behind a control byte (see
# fuzz_targets/load_gzip.rs): 0x00 one member, 0x05 two members, 0x28 truncated, 0x30 a flipped bit.
for f in "$snap"/malformed/*.json.gz "$root"/datasets/fixture/tiny.json.gz; do
  cp "$f" seeds/load_gzip/
done
for f in "$root"/datasets/fixture/tiny.json "$snap"/malformed/{weeks_out_of_order,null_and_unknown_endpoints,duplicate_composition_token,truncated_in_week}.json; do
  b=$(basename "$f" .json)
  for c in 00 05 28 30; do
    { printf "\x$c"; cat "$f"; } > "seeds/load_gzip/ctl${c}_$b.json"
  done
done

# Scenario files (TOML and JSON), valid and invalid.
s=seeds/scenario
cat > $s/custom.toml <<'T'
[[scenario]]
name = "stETH loses 30%"
token_issuers = ["182"]
fraction = 0.3

[[scenario]]
name = "exchanges and a ghost"
sectors = ["Trading & Exchanges"]
protocols = ["99999"]
fraction = 1.0
T
cat > $s/selectors.toml <<'T'
[[scenario]]
name = "Lido and the two largest"
protocols = ["182"]
top_n = 2
fraction = 0.3

[[scenario]]
name = "bridges"
category_contains = ["bridge"]
categories = ["Liquid Staking", "CEX"]
sectors = ["Asset Management", "Unknown"]
fraction = 0
T
printf '[[scenario]]\nname = "x"\nfraction = 1.5\ntop_n = 1\n' > $s/bad_fraction.toml
printf '[[scenario]]\nname = "x"\nfraction = 0.5\n' > $s/selects_nothing.toml
printf '[[scenario]]\nname = "x"\nfraction = 0.5\nsectors = ["Casinos"]\n' > $s/bad_sector.toml
printf '[[scenario]]\nname = "x"\nfraction = 0.5\ntop = 3\n' > $s/unknown_field.toml
printf '[[scenario]]\nname = "x"\nfraction = "half"\ntop_n = 1\n' > $s/bad_type.toml
printf 'scenario = 3\n' > $s/scenario_number.toml
cat > $s/custom.json <<'J'
{"scenario": [{"name": "stETH loses 30%", "fraction": 0.3, "token_issuers": ["182"]},
              {"name": "exchanges", "fraction": 1.0, "sectors": ["Trading & Exchanges"], "protocols": ["99999"], "top_n": 18446744073709551615}]}
J
printf '{"scenario": [{"name": "x", "fraction": 1e999, "top_n": 1}]}' > $s/bad_fraction.json
printf '{"scenario": []}' > $s/empty.json

# Holdings CSV.
h=seeds/holdings_csv
cp "$snap"/holdings/sample.csv $h/
header='date,protocol,chain,token,quantity,usd\n'
printf 'Timestamp,Protocol_ID,CHAIN,Symbol,Amount,Value,extra\n1704067200,182.0,Ethereum,USDC,10,10,x\n2024-01-08T12:00:00Z,182,Ethereum,USDC,12,12,y\n' > $h/aliases.csv
gzip -9 -n -c $h/aliases.csv > $h/aliases.csv.gz
printf "$header"'2024-01-08,1,E,USDC,5,5\n2024-01-01,1,E,USDC,5,5\n' > $h/out_of_order.csv
printf "$header"'2024-01-01,1,E,USDC,5,5\n2024-01-01,1,E,USDC,5,abc\n' > $h/not_a_number.csv
printf "$header"'2024-01-01,1,E,USDC,inf,5\n' > $h/infinite.csv
printf "$header"'2024-13-01,1,E,USDC,5,5\n' > $h/bad_date.csv
printf "$header"'2024-01-01,1,E,USDC,5\n' > $h/short_row.csv
printf "$header"'2024-01-01,,E,USDC,5,5\n' > $h/empty_protocol.csv
printf 'usd,USD,date,protocol,chain,token,quantity\n' > $h/duplicate_column.csv
printf '\xef\xbb\xbf'"$header"'2024-01-01 23:30:00+0200,382,Arbitrum,WSTETH,1,2\n2024-01-09,182,Ethereum,LDO,1,2\n2024-01-09,2269,Ethereum,ETH,-1,2\n2024-01-16,1,E,X,1,1\n' > $h/bom_and_datetimes.csv

# Metadata files.
m=seeds/metadata
for f in "$snap"/metadata/*.json "$snap"/metadata/*.csv; do cp "$f" $m/; done
for f in "$snap"/metadata/small/*; do cp "$f" "$m/small_$(basename "$f")"; done

# Checkpoint: mode byte + bytes (see fuzz_targets/checkpoint.rs).
c=seeds/checkpoint
ck=$root/datasets/checkpoint-sample-h1
{ printf '\x00'; cat $ck/checkpoint.json; } > $c/meta_sample.bin
{ printf '\x01'; head -c 4096 $ck/model.bpk; } > $c/model_head.bin
{ printf '\x02'; head -c 4096 $ck/encoder_optimizer.bpk; } > $c/encoder_head.bin
{ printf '\x81'; head -c 4096 $ck/model.bpk; } > $c/model_truncated.bin
printf '\x82' > $c/encoder_empty.bin

du -sh seeds/*
