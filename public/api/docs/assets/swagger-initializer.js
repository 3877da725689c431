// Swagger UI's start-up for /api/docs/ (src/routes/schema.ts), a file of its own so that the page's
// Content-Security-Policy allows no inline script. The page says where the document is (data-url).
const root = document.getElementById("swagger-ui");
window.ui = SwaggerUIBundle({ url: root.dataset.url, domNode: root, validatorUrl: "none" });
