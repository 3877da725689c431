// Compiled by `npm run typecheck` (test/tsconfig.json), never run: the documented response schemas bind
// their serializers. A serializer whose result drifted from its schema (a field the schema lacks, or
// one it lists left out), or a schema that stopped refusing unknown fields, fails the typecheck — an
// expectation below breaks, or an @ts-expect-error is left unused.
import { expectTypeOf } from "vitest";
import type { z } from "zod";
import type { Book } from "../src/db/schema";
import { type bookResponse, serializeBook } from "../src/schemas/books";
import { type profileResponse, serializeProfile } from "../src/schemas/profiles";
import { serializeSession, type sessionResponse } from "../src/schemas/sessions";
import { serializeTask, type taskResponse } from "../src/schemas/tasks";
import { type newUserResponse, serializeNewUser, serializeUser, type userResponse } from "../src/schemas/users";

expectTypeOf(serializeBook).returns.toEqualTypeOf<z.output<typeof bookResponse>>();
expectTypeOf(serializeTask).returns.toEqualTypeOf<z.output<typeof taskResponse>>();
expectTypeOf(serializeProfile).returns.toEqualTypeOf<z.output<typeof profileResponse>>();
expectTypeOf(serializeSession).returns.toEqualTypeOf<z.output<typeof sessionResponse>>();
expectTypeOf(serializeUser).returns.toEqualTypeOf<z.output<typeof userResponse>>();
expectTypeOf(serializeNewUser).returns.toEqualTypeOf<z.output<typeof newUserResponse>>();

export function wrongFieldsDoNotCompile(book: Book): z.output<typeof bookResponse>[] {
  // @ts-expect-error `extra` is not a field of bookResponse.
  const withExtra: z.output<typeof bookResponse> = { ...serializeBook(book, "x"), extra: 1 };
  // @ts-expect-error `title` is missing.
  const without: z.output<typeof bookResponse> = { ...serializeBook(book, "x"), title: undefined };
  return [withExtra, without];
}
