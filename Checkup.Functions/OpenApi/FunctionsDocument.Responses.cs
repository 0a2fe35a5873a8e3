using System.Reflection;
using System.Text.Json.Nodes;
using Checkup.Functions.Worker;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.WebUtilities;

namespace Checkup.Functions.OpenApi;

/// <summary>An operation's responses: its successes from [Responds], its problems from [Problem] and its policy.</summary>
public static partial class FunctionsDocument
{
    private static JsonObject Responses(FunctionEntry function, FunctionPolicy policy, bool jsonBody, FunctionSchemas schemas, ISet<string> codes)
    {
        var responses = new SortedDictionary<string, JsonNode>(StringComparer.Ordinal);
        foreach (var success in function.Method.GetCustomAttributes<RespondsAttribute>())
        {
            var response = new JsonObject { ["description"] = success.Description };
            if (success.Type is { } type)
            {
                var schema = type == typeof(string) ? new JsonObject { ["type"] = "string" }
                    : type == typeof(byte[]) ? new JsonObject { ["type"] = "string", ["format"] = "binary" }
                    : type == typeof(object) ? new JsonObject { ["type"] = "object" }
                    : schemas.Reference(type);
                response["content"] = new JsonObject { [success.ContentType] = new JsonObject { ["schema"] = schema } };
            }

            if (success.Headers.Length > 0)
            {
                response["headers"] = ResponseHeaders.Describe(success.Headers);
            }

            responses[Status(success.Status)] = response;
        }

        // Where the function and its middleware answer the same code (the upload's own 429 and the write limit's), one
        // entry says both.
        var problems = function.Method.GetCustomAttributes<ProblemAttribute>()
            .Concat(function.Method.GetCustomAttributes<ProblemSetAttribute>().SelectMany(set => set.Problems))
            .Select(p => new DocumentedProblem(p.Status, p.Code, p.Description, p.Schema, p.Headers))
            .Concat(ProblemResponses.FromPolicy(policy, jsonBody))
            .GroupBy(p => (p.Status, p.Code))
            .Select(same => same.First() with
            {
                Description = string.Join(" Or: ", same.Select(p => p.Description).Distinct()),
                Headers = same.SelectMany(p => p.Headers ?? []).Distinct().ToArray(),
            });
        foreach (var group in problems.GroupBy(p => p.Status))
        {
            var status = Status(group.Key);
            if (responses.ContainsKey(status))
            {
                throw new InvalidOperationException($"Function {function.Name} documents {status} both as a success and as a problem.");
            }

            responses[status] = ProblemResponse(group.Key, group.ToList(), schemas);
            codes.UnionWith(group.Select(p => p.Code));
        }

        return new JsonObject(responses.Select(r => KeyValuePair.Create(r.Key, (JsonNode?)r.Value)));
    }

    /// <summary>One status's problem answer: the codes it can carry (an enum on <c>code</c>), one example per code.</summary>
    private static JsonObject ProblemResponse(int status, IReadOnlyList<DocumentedProblem> problems, FunctionSchemas schemas)
    {
        var schemaTypes = problems.Select(p => p.Schema).Where(t => t is not null).Distinct().ToList();
        if (schemaTypes.Count > 1)
        {
            throw new InvalidOperationException($"Status {status} has problems of {schemaTypes.Count} body types; give them one.");
        }

        var baseSchema = schemaTypes.SingleOrDefault() is { } subtype ? ProblemSubtype(subtype, schemas) : ProblemDetailsReference();
        var codeEnum = new JsonArray(problems.Select(p => (JsonNode)p.Code).ToArray());
        var examples = new JsonObject();
        foreach (var problem in problems)
        {
            examples[problem.Code] = new JsonObject
            {
                ["summary"] = problem.Code,
                ["description"] = problem.Description,
                ["value"] = new JsonObject
                {
                    ["type"] = "https://checkup.dev/problems/" + problem.Code,
                    ["title"] = ReasonPhrases.GetReasonPhrase(status),
                    ["status"] = status,
                    ["code"] = problem.Code,
                    ["detail"] = problem.Description,
                },
            };
        }

        var response = new JsonObject
        {
            ["description"] = ReasonPhrases.GetReasonPhrase(status) + ". " + string.Join(" ", problems.Select(p => $"`{p.Code}`: {p.Description}")),
            ["content"] = new JsonObject
            {
                ["application/problem+json"] = new JsonObject
                {
                    ["schema"] = new JsonObject
                    {
                        ["allOf"] = new JsonArray(baseSchema, new JsonObject { ["properties"] = new JsonObject { ["code"] = new JsonObject { ["enum"] = codeEnum } } }),
                    },
                    ["examples"] = examples,
                },
            },
        };
        var headers = problems.SelectMany(p => p.Headers ?? []).ToList();
        if (headers.Count > 0)
        {
            response["headers"] = ResponseHeaders.Describe(headers);
        }

        return response;
    }

    private const string ProblemDetailsName = "ProblemDetails";

    /// <summary>The component is added when the document is assembled, with every code the operations name.</summary>
    private static JsonObject ProblemDetailsReference() => new() { ["$ref"] = "#/components/schemas/" + ProblemDetailsName };

    /// <summary>A ProblemDetails with members of its own (<c>VersionMismatchProblem.Current</c>).</summary>
    private static JsonObject ProblemSubtype(Type type, FunctionSchemas schemas)
    {
        if (!type.IsAssignableTo(typeof(ProblemDetails)))
        {
            throw new InvalidOperationException($"{type.Name} is no ProblemDetails.");
        }

        return schemas.Reference(type.Name, () =>
        {
            var properties = new JsonObject();
            foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly))
            {
                properties[schemas.WireName(property)] = schemas.Reference(property.PropertyType);
            }

            return new JsonObject { ["allOf"] = new JsonArray(ProblemDetailsReference(), new JsonObject { ["type"] = "object", ["properties"] = properties }) };
        });
    }

    private static string Status(int status) => status.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
