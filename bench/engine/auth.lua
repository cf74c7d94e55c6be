-- wrk script: authenticated GET (the token comes from $OVERLORD_TOKEN).
wrk.headers["Authentication"] = "Bearer " .. os.getenv("OVERLORD_TOKEN")
