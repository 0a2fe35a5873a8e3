using System.Text.Json;
using Checkup.Functions.OpenApi;
using Checkup.Functions.Problems;
using Checkup.Functions.Worker;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace Checkup.Functions.Functions;

/// <summary>The OpenAPI document generated from the functions (<see cref="FunctionsDocument"/>) and the interactive docs on it.</summary>
public sealed class OpenApiFunctions(IOptions<JsonOptions> json)
{
    /// <summary>The functions do not change while the worker runs: the document is generated once.</summary>
    private static byte[]? _document;

    [Function("OpenApi")]
    [Anonymous]
    [Operation("Docs", "This document: OpenAPI 3.1, generated from the functions' triggers and attributes.")]
    [Responds(StatusCodes.Status200OK, typeof(object), "The OpenAPI document.")]
    public IResult Document([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "openapi.json")] HttpRequest request)
    {
        _document ??= JsonSerializer.SerializeToUtf8Bytes(FunctionsDocument.Build(json.Value.SerializerOptions));
        return TypedResults.Bytes(_document, "application/json; charset=utf-8");
    }

    [Function("Docs")]
    [Anonymous]
    [Operation("Docs", "Interactive API docs (Swagger UI) on this document: paste a token under Authorize and try requests.")]
    [Responds(StatusCodes.Status200OK, typeof(string), "The docs page.", ContentType = "text/html")]
    public IResult Docs([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "docs")] HttpRequest request)
    {
        var headers = request.HttpContext.Response.Headers;
        headers.ContentSecurityPolicy = DocsAssets.ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        return TypedResults.Text(DocsAssets.Page(), "text/html; charset=utf-8");
    }

    [Function("DocsAsset")]
    [Anonymous]
    [Operation("Docs", "A file of the docs page (Swagger UI's script, stylesheet and icon, and the script that starts it).")]
    [Responds(StatusCodes.Status200OK, typeof(byte[]), "The file, gzip-encoded when the client accepts it.", ContentType = "application/octet-stream")]
    [Problem(StatusCodes.Status404NotFound, "not_found", "The docs page has no such file.")]
    public IResult Asset([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "docs/{file}")] HttpRequest request, string file)
    {
        if (DocsAssets.Find(file) is not { } asset)
        {
            return Problem.NotFound("not_found", "No such file", $"The docs page has no file '{file}'.");
        }

        var headers = request.HttpContext.Response.Headers;
        headers.XContentTypeOptions = "nosniff";
        headers.CacheControl = "public, max-age=3600";
        headers.Vary = HeaderNames.AcceptEncoding;
        if (AcceptsGzip(request))
        {
            headers.ContentEncoding = "gzip";
            return TypedResults.Bytes(asset.Gzipped, asset.ContentType);
        }

        return TypedResults.Bytes(asset.Plain(), asset.ContentType);
    }

    private static bool AcceptsGzip(HttpRequest request) =>
        request.Headers.AcceptEncoding.Any(value => value?.Split(',').Any(coding =>
            StringWithQualityHeaderValue.TryParse(coding.Trim(), out var parsed) && parsed.Value.Equals("gzip", StringComparison.OrdinalIgnoreCase) &&
            parsed.Quality is not 0) == true);
}
