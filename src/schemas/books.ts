import { createInsertSchema } from "drizzle-zod";
import { z } from "zod";
import { type Book, books } from "../db/schema";
import { partial } from "../lib/html-input";
import { charField, dateField, dateTime, responseId } from "./fields";

const columns = createInsertSchema(books).shape;

/**
 * The writable fields of a Book (the ModelSerializer's). Anything else in a body — id, owner,
 * owner_username, timestamps — is dropped here, so it can never be assigned. Optional fields have
 * no default: on PUT an omitted field keeps its value, as in DRF; on create the column default applies.
 */
export const bookBody = z.object({
  title: charField(columns.title.trim().min(1)),
  author: charField(columns.author.trim().min(1)),
  published_date: dateField,
  // null=True, blank=True: "" is stored as NULL so that books without an isbn never collide on UNIQUE.
  isbn: charField(columns.isbn.unwrap().unwrap().trim())
    .nullable()
    .transform((isbn) => isbn || null)
    .optional(),
  description: charField(columns.description.unwrap().trim()).optional(),
});

export const bookPatch = partial(bookBody);

export type BookInput = z.infer<typeof bookPatch>;

/** The model's unique message, as DRF's ModelSerializer words it. */
export const ISBN_TAKEN = "book with this isbn already exists.";

/** Validated input as table columns; an undefined value leaves its column alone (or to its default). */
export const bookValues = <T extends BookInput>(
  input: T,
): {
  title: T["title"];
  author: T["author"];
  publishedDate: T["published_date"];
  isbn: T["isbn"];
  description: T["description"];
} => ({
  title: input.title,
  author: input.author,
  publishedDate: input.published_date,
  isbn: input.isbn,
  description: input.description,
});

/** A book as responses show it: the shape serializeBook must produce, and the document's "Book". */
export const bookResponse = z
  .object({
    id: responseId,
    title: z.string(),
    author: z.string(),
    published_date: z.iso.date(),
    isbn: z.string().nullable(),
    description: z.string(),
    owner: responseId,
    owner_username: z.string(),
    created_at: dateTime,
    updated_at: dateTime,
  })
  .meta({ id: "Book" });

export const serializeBook = (book: Book, ownerUsername: string): z.output<typeof bookResponse> => ({
  id: book.id,
  title: book.title,
  author: book.author,
  published_date: book.publishedDate,
  isbn: book.isbn,
  description: book.description,
  owner: book.ownerId,
  owner_username: ownerUsername,
  created_at: book.createdAt.toISOString(),
  updated_at: book.updatedAt.toISOString(),
});
