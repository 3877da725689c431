// CPU time the local workerd process spends, read from /proc (Linux). On a shared machine req/s
// drift with everyone else's load; the server's CPU per request does not, so it is reported too.
import { readdirSync, readFileSync } from "node:fs";

const CLOCK_TICK_MS = 10; // USER_HZ is 100 on Linux

function stat(pid) {
  try {
    // Fields after "(comm) ": state ppid ... utime (14th field) stime (15th field).
    const [comm, rest] = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ");
    const fields = rest.split(" ");
    return {
      comm: comm.slice(comm.indexOf("(") + 1),
      ppid: Number(fields[1]),
      ticks: Number(fields[11]) + Number(fields[12]),
    };
  } catch {
    return null;
  }
}

/** The pids of this process's workerd children (Miniflare spawns workerd directly). */
export function workerdChildren() {
  let entries;
  try {
    entries = readdirSync("/proc");
  } catch {
    return [];
  }
  return entries.filter((pid) => {
    const s = /^\d+$/.test(pid) ? stat(pid) : null;
    return s !== null && s.comm === "workerd" && s.ppid === process.pid;
  });
}

/** Nanoseconds on a CPU, summed over the process's threads (schedstat's first field), or null. */
function schedNs(pid) {
  try {
    return readdirSync(`/proc/${pid}/task`).reduce(
      (sum, tid) => sum + Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").split(" ")[0]),
      0,
    );
  } catch {
    return null;
  }
}

/**
 * A reader of one process's CPU time in ms, or null where /proc is not available. schedstat counts
 * nanoseconds; /proc/<pid>/stat only 10 ms ticks, too coarse for one request's share.
 */
export function cpuClock(pid) {
  if (pid === undefined || stat(pid) === null) return null;
  if (schedNs(pid) !== null) return () => (schedNs(pid) ?? 0) / 1e6;
  return () => (stat(pid)?.ticks ?? 0) * CLOCK_TICK_MS;
}
