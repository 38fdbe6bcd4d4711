-- GET of the URL given to wrk (headers with -H); only counts answers.
package.path = os.getenv("BENCH_DIR") .. "/?.lua;" .. package.path
require("common")
