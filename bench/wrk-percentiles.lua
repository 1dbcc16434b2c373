-- wrk's summary as one line page-speed reads: requests, failed requests (non-2xx,
-- connection, read, write and timeout errors), p50 and p95 of the latency in ms, bytes.
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("pulseboard-wrk %d %d %.3f %.3f %d\n",
    summary.requests, e.status + e.connect + e.read + e.write + e.timeout,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, summary.bytes))
end
