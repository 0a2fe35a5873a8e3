using System.Collections.Frozen;
using System.IO.Compression;
using System.Reflection;
using System.Text;
using System.Text.Encodings.Web;

namespace Checkup.Functions.OpenApi;

/// <summary>
/// The interactive docs at <c>/api/docs</c>: Swagger UI from the Swashbuckle.AspNetCore.SwaggerUI package (its
/// swagger-ui-dist files are embedded in the assembly, gzip-compressed), served by the app itself, nothing from a CDN.
/// The page and its start script are ours, so the page's Content-Security-Policy can forbid inline script.
/// </summary>
public static class DocsAssets
{
    public const string PagePath = "/" + FunctionsDocument.RoutePrefix + "/docs";
    public const string DocumentPath = "/" + FunctionsDocument.RoutePrefix + "/openapi.json";

    /// <summary>
    /// Swagger UI sets its element styles from script (allowed by style-src 'self') and draws icons as data: images;
    /// requests go to this origin only ("try it out"), and nothing may frame the page.
    /// </summary>
    public const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; " +
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private const string ResourcePrefix = "Swashbuckle.AspNetCore.SwaggerUI.node_modules.swagger_ui_dist.";

    public sealed record Asset(string ContentType, byte[] Gzipped)
    {
        /// <summary>The bytes as they are, for a client that does not accept gzip.</summary>
        public byte[] Plain()
        {
            using var gzip = new GZipStream(new MemoryStream(Gzipped), CompressionMode.Decompress);
            using var plain = new MemoryStream();
            gzip.CopyTo(plain);
            return plain.ToArray();
        }
    }

    private static readonly Lazy<FrozenDictionary<string, Asset>> Assets = new(Load);

    public static Asset? Find(string file) => Assets.Value.GetValueOrDefault(file);

    public static IEnumerable<string> Files => Assets.Value.Keys;

    /// <summary>The page: Swagger UI's stylesheet and bundle, our start script, and the document's address.</summary>
    public static string Page()
    {
        var html = HtmlEncoder.Default;
        return $"""
            <!doctype html>
            <html lang="en">
            <head>
              <meta charset="utf-8">
              <meta name="viewport" content="width=device-width, initial-scale=1">
              <title>Checkup API</title>
              <link rel="icon" type="image/png" href="{html.Encode(PagePath)}/favicon-32x32.png">
              <link rel="stylesheet" href="{html.Encode(PagePath)}/swagger-ui.css">
            </head>
            <body>
              <div id="swagger-ui" data-document="{html.Encode(DocumentPath)}"></div>
              <script src="{html.Encode(PagePath)}/swagger-ui-bundle.js"></script>
              <script src="{html.Encode(PagePath)}/docs.js"></script>
            </body>
            </html>
            """;
    }

    /// <summary>
    /// Starts Swagger UI on the document: operation ids shown, "try it out" on, the Authorize button for a bearer token
    /// (kept for this tab only), and no online validator (it would send the document to a third party).
    /// </summary>
    private const string StartScript = """
        window.addEventListener("load", function () {
          var root = document.getElementById("swagger-ui");
          window.ui = SwaggerUIBundle({
            url: root.getAttribute("data-document"),
            domNode: root,
            layout: "BaseLayout",
            presets: [SwaggerUIBundle.presets.apis],
            deepLinking: true,
            displayOperationId: true,
            displayRequestDuration: true,
            tryItOutEnabled: true,
            persistAuthorization: false,
            validatorUrl: null,
            defaultModelsExpandDepth: 0
          });
        });
        """;

    private static FrozenDictionary<string, Asset> Load()
    {
        var package = typeof(Swashbuckle.AspNetCore.SwaggerUI.SwaggerUIOptions).Assembly;
        var assets = new Dictionary<string, Asset>(StringComparer.Ordinal)
        {
            ["swagger-ui.css"] = Embedded(package, "swagger-ui.css", "text/css; charset=utf-8"),
            ["swagger-ui-bundle.js"] = Embedded(package, "swagger-ui-bundle.js", "text/javascript; charset=utf-8"),
            ["favicon-32x32.png"] = Embedded(package, "favicon-32x32.png", "image/png"),
            ["LICENSE"] = Embedded(package, "LICENSE", "text/plain; charset=utf-8"),
            ["docs.js"] = new("text/javascript; charset=utf-8", Gzip(Encoding.UTF8.GetBytes(StartScript))),
        };
        return assets.ToFrozenDictionary(StringComparer.Ordinal);
    }

    private static Asset Embedded(Assembly package, string file, string contentType)
    {
        using var stream = package.GetManifestResourceStream(ResourcePrefix + file)
                           ?? throw new InvalidOperationException($"{package.GetName().Name} has no embedded {file}: did the package change its layout?");
        using var bytes = new MemoryStream();
        stream.CopyTo(bytes);
        var content = bytes.ToArray();
        var gzipped = content is [0x1f, 0x8b, ..]; // the package embeds its files compressed; take any it does not as they are
        return new Asset(contentType, gzipped ? content : Gzip(content));
    }

    private static byte[] Gzip(byte[] plain)
    {
        using var compressed = new MemoryStream();
        using (var gzip = new GZipStream(compressed, CompressionLevel.Optimal))
        {
            gzip.Write(plain);
        }

        return compressed.ToArray();
    }
}
