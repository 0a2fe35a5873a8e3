using Checkup.Functions.OpenApi;
using Checkup.Functions.Problems;
using Checkup.Functions.Worker;
using Microsoft.AspNetCore.Routing.Template;
using Microsoft.Azure.Functions.Worker;

namespace Checkup.Functions.Functions;

/// <summary>
/// Every request no other function's route takes: the host routes the most specific template first, so this catch-all
/// only sees what would otherwise get the host's own empty 404. It answers as the API does everywhere: 405
/// method_not_allowed with <c>Allow</c> when the path is a function's with another method, else 404 not_found; a CORS
/// preflight was answered by <see cref="CorsMiddleware"/> before it got here.
/// </summary>
public sealed class UnroutedFunctions
{
    public const string Name = "Unrouted";

    [Function(Name)]
    [Anonymous]
    [Operation("Health", "Any other address or method under /api: 404 not_found, or 405 method_not_allowed with Allow when the address takes other methods; answers CORS preflights for the allowed origins (Cors__AllowedOrigins).")]
    [Responds(StatusCodes.Status204NoContent, null, "A CORS preflight, answered (with Access-Control-Allow-* headers for an allowed origin).")]
    [Problem(StatusCodes.Status404NotFound, "not_found", "Nothing is at this address.")]
    [Problem(StatusCodes.Status405MethodNotAllowed, "method_not_allowed", "The address takes other methods (listed in Allow).")]
    public IResult Unrouted(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", "post", "put", "patch", "delete", "options", Route = "{*path}")] HttpRequest request)
    {
        var allowed = Routes.Value.Where(r => r.Matches(request.Path)).SelectMany(r => r.Methods).Distinct().Order(StringComparer.Ordinal).ToArray();
        if (allowed.Length == 0)
        {
            return Problem.Status(StatusCodes.Status404NotFound, "not_found", "Not Found", "There is nothing at this address.");
        }

        request.HttpContext.Response.Headers.Allow = string.Join(", ", allowed);
        return Problem.Status(StatusCodes.Status405MethodNotAllowed, "method_not_allowed", "Method Not Allowed",
            $"This address does not accept {request.Method}; it accepts {string.Join(", ", allowed)}.");
    }

    /// <summary>The other HTTP functions' routes and methods.</summary>
    private static readonly Lazy<FunctionRoute[]> Routes = new(() => FunctionCatalogue.Http
        .Where(f => f.Name != Name)
        .Select(f => new FunctionRoute(TemplateParser.Parse(FunctionsDocument.RoutePrefix + "/" + f.Route), f.Methods.Select(m => m.ToUpperInvariant()).ToArray()))
        .ToArray());

    private sealed record FunctionRoute(RouteTemplate Template, string[] Methods)
    {
        private readonly TemplateMatcher _matcher = new(Template, new RouteValueDictionary());

        /// <summary>The path fits the template, its guid-constrained segments included (the only constraint the routes use).</summary>
        public bool Matches(PathString path)
        {
            var values = new RouteValueDictionary();
            return _matcher.TryMatch(path, values) && Template.Parameters.All(p =>
                p.InlineConstraints.All(c => c.Constraint != "guid" || Guid.TryParse(values[p.Name!]?.ToString(), out _)));
        }
    }
}
