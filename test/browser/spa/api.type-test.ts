// Compiled by `npm run typecheck`, never run: each line below must fail to compile. If the generated
// types stopped constraining the client (a path or a field the document lacks), @ts-expect-error
// would be unused and the typecheck would fail.
import { client, post } from "./api";

export async function unknownThingsDoNotCompile() {
  // @ts-expect-error a path the document does not have
  await client.GET("/api/todos/");
  // @ts-expect-error a method the path does not have
  await client.DELETE("/api/users/me/");
  // @ts-expect-error a request field the document does not have
  await post("/api/tasks/", { title: "Buy milk", priority: 1 });
  // @ts-expect-error a required request field left out
  await post("/api/token/", { username: "someone" });
  // @ts-expect-error dj-rest-auth's confirm takes new_password1 and new_password2
  await post("/api/password/reset/confirm/", { uid: "MQ", token: "t", new_password: "a lantern by the door" });
  const login = await post("/api/token/", { username: "someone", password: "a lantern by the door" });
  // @ts-expect-error the answer may be the MFA challenge, which holds no token: narrow it first
  login.data?.access;
  const { data } = await client.GET("/api/tasks/");
  // @ts-expect-error a response field the document does not have
  data?.[0]?.due_date;
}
