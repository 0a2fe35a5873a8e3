using System.Text.Json;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace Checkup.Functions.Worker;

/// <summary>
/// What a function reads from its request the way the minimal-API binder did, failing with the same
/// <see cref="BadHttpRequestException"/>s, so <see cref="Problems.ProblemSetup"/> words them the same.
/// </summary>
internal static class RequestReading
{
    /// <summary>A query value as the binder read it: absent is null, a repeated name its values joined with commas.</summary>
    public static string? Query(this HttpRequest request, string name) =>
        request.Query.TryGetValue(name, out var values) ? values.ToString() : null;

    /// <summary>The If-Match header as the binder read it into a string: absent or empty is null (the write is unconditional).</summary>
    public static string? IfMatch(this HttpRequest request) =>
        request.Headers.IfMatch.ToString() is { Length: > 0 } ifMatch ? ifMatch : null;

    /// <summary>The JSON body as <typeparamref name="T"/>: 415 for another media type, 400 for none, invalid JSON or the wrong shape.</summary>
    public static async Task<T> JsonBodyAsync<T>(this HttpRequest request, CancellationToken ct) where T : class
    {
        if (!request.HasJsonContentType())
        {
            throw new BadHttpRequestException($"Expected a supported JSON media type but got \"{request.ContentType}\".", StatusCodes.Status415UnsupportedMediaType);
        }

        if (request.ContentLength == 0)
        {
            throw MissingBody();
        }

        var options = request.HttpContext.RequestServices.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions;
        try
        {
            return await request.ReadFromJsonAsync<T>(options, ct) ?? throw MissingBody();
        }
        catch (JsonException e)
        {
            throw new BadHttpRequestException($"Failed to read the request body as JSON ({typeof(T).Name}).", e);
        }
    }

    private static MissingBodyException MissingBody() => new();
}

/// <summary>A request without the JSON body its function needs (empty, or the literal <c>null</c>).</summary>
public sealed class MissingBodyException() : BadHttpRequestException("The request has no JSON body.", StatusCodes.Status400BadRequest);
