using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc;

namespace Checkup.Functions.Problems;

/// <summary>
/// <c>NotFound&lt;ProblemDetails&gt;</c> and its siblings document an endpoint's outcomes precisely but write
/// <c>application/json</c>. This filter sends any ProblemDetails an endpoint returns as RFC 9457
/// <c>application/problem+json</c> (with the defaults and <c>traceId</c> of every other problem), and
/// the declared responses say so in the OpenAPI document.
/// </summary>
public static class ProblemJson
{
    public static TBuilder WithProblemJson<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder
    {
        builder.AddEndpointFilter(async (context, next) => AsProblemJson(await next(context)));
        builder.Finally(endpoint =>
        {
            // Declared ProblemDetails responses are problem+json on the wire.
            for (var i = 0; i < endpoint.Metadata.Count; i++)
            {
                if (endpoint.Metadata[i] is IProducesResponseTypeMetadata { StatusCode: >= 400, Type: { } type } produces
                    && type.IsAssignableTo(typeof(ProblemDetails)) && !produces.ContentTypes.Contains("application/problem+json"))
                {
                    endpoint.Metadata[i] = new ProducesResponseTypeMetadata(produces.StatusCode, type, ["application/problem+json"]);
                }
            }
        });
        return builder;
    }

    /// <summary>A result whose value is a ProblemDetails, as problem+json; any other result as it is.</summary>
    public static object? AsProblemJson(object? result)
    {
        var inner = result is INestedHttpResult nested ? nested.Result : result;
        if (inner is IValueHttpResult { Value: ProblemDetails problem } and IStatusCodeHttpResult { StatusCode: { } status } and not ProblemHttpResult and not ValidationProblem)
        {
            problem.Status ??= status;
            return TypedResults.Problem(problem);
        }

        return result;
    }
}
