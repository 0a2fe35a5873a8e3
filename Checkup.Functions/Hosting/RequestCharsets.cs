using System.Text;
using Checkup.Functions.Problems;
using Microsoft.Net.Http.Headers;

namespace Checkup.Functions.Hosting;

/// <summary>
/// The framework's JSON reader hands a body's charset to <see cref="Encoding.GetEncoding(string)"/> as it is written, and
/// a name it does not know (<c>charset=klingon</c>, or a quoted <c>charset="utf-8"</c>) becomes an exception, a 500, and
/// so does UTF-7 under any of its names (.NET knows it but refuses it with <see cref="NotSupportedException"/>). So before
/// binding, on every path: a quoted charset is unquoted, and one outside the few JSON is sent in gets 415 problem+json.
/// </summary>
public static class RequestCharsets
{
    /// <summary>Unquotes a quoted JSON charset and runs <paramref name="next"/>, or answers 415 for one JSON is never sent in.</summary>
    public static async Task CheckAsync(HttpContext context, Func<Task> next)
    {
        if (MediaTypeHeaderValue.TryParse(context.Request.ContentType, out var type) && IsJson(type) && type.Charset.HasValue)
        {
            var charset = HeaderUtilities.RemoveQuotes(type.Charset).ToString();
            if (!Decodable(charset))
            {
                await RefuseAsync(context, charset);
                return;
            }

            if (charset != type.Charset.Value)
            {
                type.Charset = charset;
                context.Request.ContentType = type.ToString();
            }
        }

        await next();
    }

    private static bool IsJson(MediaTypeHeaderValue type) =>
        type.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase) ||
        type.Suffix.Equals("json", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// The Unicode encodings JSON may come in (RFC 8259 section 8.1), ASCII and Latin-1: the ones .NET decodes on its own.
    /// A fixed list, because what <see cref="Encoding.GetEncoding(string)"/> knows grows with every code-page provider
    /// a library registers in the process.
    /// </summary>
    private static readonly HashSet<int> DecodableCodePages = [65001, 1200, 1201, 12000, 12001, 20127, 28591];

    private static bool Decodable(string charset)
    {
        try
        {
            return DecodableCodePages.Contains(Encoding.GetEncoding(charset).CodePage);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException)
        {
            return false;
        }
    }

    private static Task RefuseAsync(HttpContext context, string charset)
    {
        context.Response.StatusCode = StatusCodes.Status415UnsupportedMediaType;
        var problem = Problem.Details(StatusCodes.Status415UnsupportedMediaType, "unsupported_media_type", "Unsupported charset",
            $"The body's charset '{charset}' is not one this API reads; send JSON as UTF-8.");
        return context.RequestServices.GetRequiredService<IProblemDetailsService>()
            .TryWriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = problem }).AsTask();
    }
}
