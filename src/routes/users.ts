import { Hono } from "hono";
import type { AppEnv } from "../env";
import { IsAuthenticated, permit } from "../middleware/permissions";
import { serializeUser } from "../schemas/users";

export const userRoutes = new Hono<AppEnv>().get("/me/", permit([IsAuthenticated]), (c) =>
  c.json(serializeUser(c.var.user)),
);
