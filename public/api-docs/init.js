// Draws GearShare's OpenAPI document with Swagger UI (swagger-ui-dist from npm, copied next
// to this file by scripts/lib.sh `copy_api_viewer`). A file, not an inline script: the page's
// content security policy allows scripts from this origin only.
window.addEventListener("load", function () {
  if (typeof window.SwaggerUIBundle !== "function") {
    document.getElementById("viewer-missing").hidden = false;
    return;
  }
  window.SwaggerUIBundle({
    url: "/api/v1/openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    docExpansion: "list",
    defaultModelsExpandDepth: 0,
  });
});
