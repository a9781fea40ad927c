$BIN -n --shard shardId-1
