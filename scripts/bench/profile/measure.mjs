// `npm run bench -- --profile`: where each request's time goes (components timed alone inside the
// Worker, whole requests one at a time) and a V8 CPU profile of the app's isolate under load.
import { runLoad } from "../load.mjs";
import { componentCosts, sequentialCost, sequentialRequests } from "./components.mjs";
import { profileByModule } from "./cpu-profile.mjs";

/** The CPU profile's scenarios: keys of loadScenarios. */
const CPU_PROFILED = ["books-anon", "tasks-one"];

export async function measureProfile({ base, server, bundlePath, ceilingPath, seeded, scenarios, load, log }) {
  const { users, profileSession } = seeded;
  log("profiling components");
  const costs = await componentCosts(base, users[0].access, { cpuMs: server.cpuMs });
  const sequential = {};
  const requests = sequentialRequests({ ceilingPath, user: users[0], session: profileSession });
  for (const [key, { count, next }] of Object.entries(requests)) {
    sequential[key] = await sequentialCost(base, count, next, server.cpuMs);
  }
  log("CPU profile of the app's isolate under load");
  const cpuProfile = {};
  const target = { ...server.inspector, bundlePath };
  for (const key of CPU_PROFILED) {
    const { spec } = scenarios.find((s) => s.key === key);
    cpuProfile[key] = await profileByModule(target, () => runLoad(base, { ...load, ...spec }));
  }
  return { profile: { costs, sequential }, cpuProfile };
}

/** The task list's D1 query alone (wall ms), for the scaling table. */
export async function taskQueryMs(base, token, cpuMs) {
  const costs = await componentCosts(base, token, { only: ["d1-tasks"], cpuMs });
  return costs["d1-tasks"].wall;
}
