using System.Text;
using Checkup.Functions.Problems;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Net.Http.Headers;

namespace Checkup.Functions.Auth;

/// <summary>A 401 says both things: <c>WWW-Authenticate</c> for HTTP clients and a problem+json body for people.</summary>
internal static class AuthProblems
{
    public static async Task WriteChallengeAsync(JwtBearerChallengeContext context)
    {
        context.HandleResponse();
        var http = context.HttpContext;
        http.Response.StatusCode = StatusCodes.Status401Unauthorized;
        http.Response.Headers.Append(HeaderNames.WWWAuthenticate, Challenge(context));

        var detail = context.AuthenticateFailure is null
            ? "This endpoint needs a bearer token: send 'Authorization: Bearer <JWT>'."
            : $"The bearer token was refused: {Printable(context.ErrorDescription ?? "it is not valid")}.";
        var problem = Problem.Details(StatusCodes.Status401Unauthorized, "unauthorized", "Unauthorized", detail);
        await http.RequestServices.GetRequiredService<IProblemDetailsService>()
            .TryWriteAsync(new ProblemDetailsContext { HttpContext = http, ProblemDetails = problem });
    }

    /// <summary>The header the JWT handler itself would send (RFC 6750 section 3).</summary>
    private static string Challenge(JwtBearerChallengeContext context)
    {
        var header = new StringBuilder(context.Options.Challenge);
        var parts = new List<string>();
        if (!string.IsNullOrEmpty(context.Error))
        {
            parts.Add($"error=\"{Quoted(context.Error)}\"");
        }

        if (!string.IsNullOrEmpty(context.ErrorDescription))
        {
            parts.Add($"error_description=\"{Quoted(context.ErrorDescription)}\"");
        }

        if (parts.Count > 0)
        {
            header.Append(' ').AppendJoin(", ", parts);
        }

        return header.ToString();
    }

    private static string Quoted(string value) =>
        Printable(value).Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal);

    /// <summary>
    /// The handler's error description quotes claims of the refused token (an <c>iss</c> with CR/LF, NUL or non-ASCII
    /// letters): a header value may hold only visible ASCII, so everything else becomes '?', and a long value is cut.
    /// </summary>
    private static string Printable(string value)
    {
        const int MaxLength = 300;
        var text = value.Length > MaxLength ? value[..MaxLength] + "..." : value;
        return string.Create(text.Length, text, static (span, source) =>
        {
            for (var i = 0; i < source.Length; i++)
            {
                span[i] = source[i] is >= ' ' and <= '~' ? source[i] : '?';
            }
        });
    }
}
