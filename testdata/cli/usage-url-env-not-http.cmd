A2A_RECOVER_URL=file:///etc/passwd $BIN "$DATA/ok-batch.json"
