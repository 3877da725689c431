import { z } from "zod";
import type { Session } from "../db/schema";
import { dateTime } from "./fields";

/** A login session as its user sees it (GET /api/sessions/): never a token or a jti. */
export const sessionResponse = z
  .object({
    id: z.string(),
    created_at: dateTime,
    last_used_at: dateTime.meta({ description: "The session's last refresh (its creation if none)." }),
    expires_at: dateTime.meta({ description: "Its absolute end: refreshing never extends it." }),
    user_agent: z.string().meta({ description: "The client's User-Agent at login, truncated." }),
    aal: z.enum(["aal1", "aal2"]).meta({
      description: "Its assurance level: aal1 a password, aal2 a password and a second factor.",
    }),
    amr: z.array(z.string()).meta({ description: 'How it was started (RFC 8176): ["pwd"], ["pwd", "otp"].' }),
    current: z.boolean().meta({ description: "Whether this is the session of the calling token." }),
  })
  .meta({ id: "Session" });

export const serializeSession = (session: Session, currentId: string): z.output<typeof sessionResponse> => ({
  id: session.id,
  created_at: session.createdAt.toISOString(),
  last_used_at: (session.rotatedAt ?? session.createdAt).toISOString(),
  expires_at: session.expiresAt.toISOString(),
  user_agent: session.userAgent,
  aal: session.aal,
  amr: session.amr,
  current: session.id === currentId,
});
