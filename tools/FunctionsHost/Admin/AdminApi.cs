using System.Text.Json;
using Microsoft.Net.Http.Headers;

namespace FunctionsHost.Admin;

/// <summary>
/// POST /admin/functions/{name} with {"input": "..."}: runs a function once now, as the Azure host's
/// FunctionsController.Invoke does (see README.md, "The admin API"). No key is asked for, as under func start,
/// whose authentication handler makes every caller an admin.
/// </summary>
internal static class AdminApi
{
    /// <summary>How long a call waits for the host to run its functions (the Azure host's RequiresRunningHost: 30 s).</summary>
    private static readonly TimeSpan HostTimeout = TimeSpan.FromSeconds(30);

    private static readonly JsonDocumentOptions BodyOptions = new()
    {
        AllowTrailingCommas = true,
        CommentHandling = JsonCommentHandling.Skip,
    };

    public static IEndpointRouteBuilder MapAdminFunctions(this IEndpointRouteBuilder app)
    {
        app.MapPost("/admin/functions/{name}", InvokeAsync);
        return app;
    }

    /// <summary>
    /// In the Azure host's order: the body is bound first (415 for a body that is not JSON), then the call waits
    /// for a running host (503), then a body that did not bind is a 400 and an unknown name a 404. The answers
    /// carry no body, as the Azure host's (MVC's BadRequest(), NotFound(), Accepted()).
    /// </summary>
    private static async Task<IResult> InvokeAsync(string name, HttpRequest request, OnDemandInvocations invocations, CancellationToken cancellationToken)
    {
        if (!IsJson(request.ContentType))
        {
            return Results.StatusCode(StatusCodes.Status415UnsupportedMediaType);
        }
        var body = await ReadAsync(request, cancellationToken);
        var functions = await invocations.WaitForFunctionsAsync(HostTimeout, cancellationToken);
        if (functions is null)
        {
            return Results.Text("Function host is not running.", statusCode: StatusCodes.Status503ServiceUnavailable);
        }
        if (body is null)
        {
            return Results.StatusCode(StatusCodes.Status400BadRequest);
        }
        if (!functions.TryGetValue(name, out var function))
        {
            return Results.StatusCode(StatusCodes.Status404NotFound);
        }
        return invocations.TryStart(name, function, body.Input)
            ? Results.StatusCode(StatusCodes.Status202Accepted)
            : Results.Text("Function host is not running.", statusCode: StatusCodes.Status503ServiceUnavailable);
    }

    /// <summary>The media types the Azure host's JSON input formatter reads.</summary>
    private static bool IsJson(string? contentType)
    {
        if (!MediaTypeHeaderValue.TryParse(contentType, out var mediaType))
        {
            return false;
        }
        var type = mediaType.MediaType.Value ?? "";
        return type.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || type.Equals("text/json", StringComparison.OrdinalIgnoreCase)
            || (type.StartsWith("application/", StringComparison.OrdinalIgnoreCase) && type.EndsWith("+json", StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>
    /// The body as the Azure host binds it to its FunctionInvocation { string Input }: a JSON object whose "input"
    /// (any case; the last one wins) is a string, a number or a boolean (as their text) or null or absent (no
    /// input); other properties are ignored. Null when it does not bind: not JSON, empty, not an object, or an
    /// input that is an object or an array.
    /// </summary>
    private static async Task<InvocationBody?> ReadAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        JsonDocument document;
        try
        {
            document = await JsonDocument.ParseAsync(request.Body, BodyOptions, cancellationToken);
        }
        catch (JsonException)
        {
            return null;
        }
        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return null;
            }
            var body = new InvocationBody(null);
            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (!property.Name.Equals("input", StringComparison.OrdinalIgnoreCase))
                {
                    continue;
                }
                var value = property.Value;
                switch (value.ValueKind)
                {
                    case JsonValueKind.String when TryGetString(value, out var text):
                        body = new InvocationBody(text);
                        break;
                    case JsonValueKind.Number:
                        body = new InvocationBody(value.GetRawText());
                        break;
                    case JsonValueKind.True or JsonValueKind.False:
                        body = new InvocationBody(value.GetRawText());
                        break;
                    case JsonValueKind.Null:
                        body = new InvocationBody(null);
                        break;
                    default:
                        return null;
                }
            }
            return body;
        }
    }

    /// <summary>False for a string that is not valid UTF-8, which the reader lets through until it is decoded.</summary>
    private static bool TryGetString(JsonElement value, out string? text)
    {
        try
        {
            text = value.GetString();
            return true;
        }
        catch (InvalidOperationException)
        {
            text = null;
            return false;
        }
    }

    private sealed record InvocationBody(string? Input);
}
