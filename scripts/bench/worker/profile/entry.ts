// The bench Worker of `npm run bench -- --profile`: the default one plus /__bench/profile/:op.
import { benchRoutes, benchWorker } from "../entry";
import { withProfileOps } from "./ops";

export * from "../../../../src/index";

export default benchWorker(withProfileOps(benchRoutes()));
