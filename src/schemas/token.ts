import { z } from "zod";
import { password } from "./users";

// simplejwt's serializers: plain CharFields, so "" is "This field may not be blank.".
const token = z.string().min(1);

export const obtainBody = z.object({ username: z.string().trim().min(1), password });
export const refreshBody = z.object({ refresh: token });
export const verifyBody = z.object({ token });
