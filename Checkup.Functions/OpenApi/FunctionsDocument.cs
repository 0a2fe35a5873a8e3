using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Checkup.Functions.Worker;

namespace Checkup.Functions.OpenApi;

/// <summary>
/// The OpenAPI 3.1 document of the HTTP functions, generated from the functions themselves: each function of the
/// <see cref="FunctionCatalogue"/> is an operation (its route and methods from the trigger, its security and middleware
/// answers from its policy attributes, the rest from the attributes in <see cref="OperationAttribute"/>'s file).
/// </summary>
public static partial class FunctionsDocument
{
    public const string BearerScheme = "Bearer";

    /// <summary>host.json's <c>extensions.http.routePrefix</c>.</summary>
    public const string RoutePrefix = "api";

    public static JsonObject Build(JsonSerializerOptions wire)
    {
        var schemas = new FunctionSchemas(wire);
        var paths = new JsonObject();
        var codes = new SortedSet<string>(StringComparer.Ordinal);
        var tags = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var function in FunctionCatalogue.Http)
        {
            var operation = Operation(function, schemas, codes, tags);
            var path = "/" + RoutePrefix + "/" + RouteParameter().Replace(function.Route, "{${name}}");
            if (paths[path] is not JsonObject item)
            {
                item = new JsonObject();
                paths[path] = item;
            }

            foreach (var method in function.Methods)
            {
                item[method.ToLowerInvariant()] = operation.DeepClone();
            }
        }

        schemas.Add(ProblemDetailsName, ProblemResponses.Schema(codes));
        return new JsonObject
        {
            ["openapi"] = "3.1.1",
            ["info"] = new JsonObject
            {
                ["title"] = "Checkup API",
                ["description"] = "Portfolio check-up application form: the signed-in person's submission, image uploads, admin views. " +
                                  "Errors are RFC 9457 problem+json with a stable 'code'.",
                ["version"] = "v1",
            },
            // Never the request's Host header: any caller can send "Host: evil.example", and a tool reading the document
            // would then send its requests, token included, there. A relative server is where the document was fetched from.
            ["servers"] = new JsonArray(new JsonObject { ["url"] = "/", ["description"] = "The host this document was fetched from." }),
            ["tags"] = new JsonArray(tags.Select(t => (JsonNode)new JsonObject { ["name"] = t }).ToArray()),
            ["paths"] = paths,
            ["components"] = new JsonObject
            {
                ["schemas"] = new JsonObject(schemas.Components.Select(c => KeyValuePair.Create(c.Key, (JsonNode?)c.Value.DeepClone()))),
                ["securitySchemes"] = new JsonObject
                {
                    [BearerScheme] = new JsonObject
                    {
                        ["type"] = "http",
                        ["scheme"] = "bearer",
                        ["bearerFormat"] = "JWT",
                        ["description"] = "A JWT from the configured issuer (Auth__Authority or Auth__SigningKey); 'sub' is the author id.",
                    },
                },
            },
        };
    }

    private static JsonObject Operation(FunctionEntry function, FunctionSchemas schemas, ISet<string> codes, ISet<string> tags)
    {
        var method = function.Method;
        // A function without [Operation] or [Responds] is still listed, without a summary or a success: the document's
        // test names it, while the document goes on serving everything else.
        var about = method.GetCustomAttribute<OperationAttribute>();
        var tag = about?.Tag ?? "Undocumented";
        var policy = function.Policy;
        tags.Add(tag);

        var operation = new JsonObject
        {
            ["operationId"] = function.Name,
            ["tags"] = new JsonArray(tag),
        };
        if (about is not null)
        {
            operation["summary"] = about.Summary;
        }

        if (about?.Description is { } description)
        {
            operation["description"] = description;
        }

        var parameters = new JsonArray();
        foreach (Match match in RouteParameter().Matches(function.Route))
        {
            parameters.Add(new JsonObject
            {
                ["name"] = match.Groups["name"].Value,
                ["in"] = "path",
                ["required"] = true,
                ["schema"] = RouteSchema(match.Groups["constraint"].Value, catchAll: match.Groups["all"].Success),
            });
        }

        foreach (var query in method.GetCustomAttributes<QueryParameterAttribute>())
        {
            var schema = new JsonObject { ["type"] = "string" };
            if (query.Format is { } format)
            {
                schema["format"] = format;
            }

            parameters.Add(new JsonObject { ["name"] = query.Name, ["in"] = "query", ["required"] = query.Required, ["description"] = query.Description, ["schema"] = schema });
        }

        foreach (var header in method.GetCustomAttributes<HeaderParameterAttribute>())
        {
            parameters.Add(new JsonObject { ["name"] = header.Name, ["in"] = "header", ["required"] = false, ["description"] = header.Description, ["schema"] = new JsonObject { ["type"] = "string" } });
        }

        if (parameters.Count > 0)
        {
            operation["parameters"] = parameters;
        }

        if (function.Body is JsonBodyAttribute jsonBody)
        {
            operation["requestBody"] = new JsonObject
            {
                ["required"] = true,
                ["content"] = new JsonObject { [jsonBody.MediaType] = new JsonObject { ["schema"] = schemas.Reference(jsonBody.Type) } },
            };
        }
        else if (function.Body is MultipartUploadAttribute upload)
        {
            operation["requestBody"] = new JsonObject
            {
                ["required"] = true,
                ["content"] = new JsonObject
                {
                    [upload.MediaType] = new JsonObject
                    {
                        ["schema"] = new JsonObject
                        {
                            ["type"] = "object",
                            ["required"] = new JsonArray(upload.Field),
                            ["properties"] = new JsonObject
                            {
                                [upload.Field] = new JsonObject { ["type"] = "string", ["format"] = "binary", ["description"] = upload.Description },
                            },
                        },
                    },
                },
            };
        }

        operation["responses"] = Responses(function, policy, function.Body is JsonBodyAttribute, schemas, codes);
        if (policy.Access != Access.Anonymous)
        {
            operation["security"] = new JsonArray(new JsonObject { [BearerScheme] = new JsonArray() });
        }

        return operation;
    }

    private static JsonObject RouteSchema(string constraint, bool catchAll) => constraint switch
    {
        "guid" => new JsonObject { ["type"] = "string", ["format"] = "uuid" },
        "int" => new JsonObject { ["type"] = "integer", ["format"] = "int32" },
        "long" => new JsonObject { ["type"] = "integer", ["format"] = "int64" },
        "" when catchAll => new JsonObject { ["type"] = "string", ["description"] = "Any path below the prefix." },
        _ => new JsonObject { ["type"] = "string" },
    };

    /// <summary><c>{id:guid}</c>, <c>{name?}</c>, <c>{*path}</c>: the name, the first constraint, whether it catches all.</summary>
    [GeneratedRegex(@"\{(?<all>\*{1,2})?(?<name>[A-Za-z0-9_]+)(?::(?<constraint>[A-Za-z]+)[^}]*)?\??\}")]
    private static partial Regex RouteParameter();
}
