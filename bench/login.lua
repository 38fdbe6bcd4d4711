-- POST /api/v1/auth/login with the bootstrap admin's credentials (BENCH_EMAIL, BENCH_PASSWORD).
package.path = os.getenv("BENCH_DIR") .. "/?.lua;" .. package.path
require("common")

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = string.format('{"email":"%s","password":"%s"}', os.getenv("BENCH_EMAIL"), os.getenv("BENCH_PASSWORD"))
