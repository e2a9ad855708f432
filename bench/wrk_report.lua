-- wrk script: print one machine-readable line with throughput and latency percentiles.
-- Used by bench/run.py: wrk -s bench/wrk_report.lua ...
done = function(summary, latency, requests)
  local ms = function(us) return us / 1000.0 end
  io.write(string.format(
    'BENCH_RESULT {"requests": %d, "duration_s": %.6f, "errors_connect": %d, ' ..
    '"errors_read": %d, "errors_write": %d, "errors_status": %d, "errors_timeout": %d, ' ..
    '"mean_ms": %.3f, "p50_ms": %.3f, "p90_ms": %.3f, "p95_ms": %.3f, "p99_ms": %.3f, ' ..
    '"max_ms": %.3f}\n',
    summary.requests, summary.duration / 1e6,
    summary.errors.connect, summary.errors.read, summary.errors.write,
    summary.errors.status, summary.errors.timeout,
    ms(latency.mean), ms(latency:percentile(50)), ms(latency:percentile(90)),
    ms(latency:percentile(95)), ms(latency:percentile(99)), ms(latency.max)))
end
