package org.canvaslake.glue.cfn;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

/**
 * A CloudFormation template read as plain data, for tests. Our templates use only the long form of intrinsic
 * functions ({@code Fn::Sub}, {@code Ref}, ...), so a plain YAML parser sees them exactly as CloudFormation does; a
 * short-form tag ({@code !Ref}) would be read as a bare string by such a parser and make the tests lie, so loading
 * refuses it.
 *
 * <p>{@link #text(JsonNode)} renders a value the way the tests compare it: a literal as itself, {@code Ref X} as
 * {@code ${X}}, {@code Fn::GetAtt [R, A]} as {@code ${R.A}}, {@code Fn::Sub "..."} as its template string.
 */
public final class CfnTemplate {

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final Pattern SHORT_FORM = Pattern.compile(
            "(^|[\\s:\\[,-])!(Ref|Sub|GetAtt|If|Join|Select|Split|Equals|Not|And|Or|FindInMap|ImportValue|Base64|"
                    + "Cidr|GetAZs|Condition|Transform)\\b", Pattern.MULTILINE);
    private static final Pattern SUB_VARIABLE = Pattern.compile("\\$\\{([^}!][^}]*)}");

    private final Path file;
    private final JsonNode root;

    private CfnTemplate(Path file, JsonNode root) {
        this.file = file;
        this.root = root;
    }

    public static CfnTemplate load(Path file) {
        try {
            String text = Files.readString(file);
            Matcher shortForm = SHORT_FORM.matcher(text);
            if (shortForm.find()) {
                throw new IllegalArgumentException(file + " uses the short form " + shortForm.group().trim()
                        + "; write the long form (Ref / Fn::Sub / Fn::GetAtt ...) so that the template reads the "
                        + "same to any YAML parser");
            }
            return new CfnTemplate(file, YAML.readTree(text));
        } catch (IOException e) {
            throw new IllegalStateException("Cannot read template " + file + ": " + e.getMessage(), e);
        }
    }

    public Path file() {
        return file;
    }

    public JsonNode root() {
        return root;
    }

    public Map<String, JsonNode> resources() {
        return fields(root.path("Resources"));
    }

    public JsonNode resource(String logicalId) {
        JsonNode r = root.path("Resources").path(logicalId);
        if (r.isMissingNode()) {
            throw new AssertionError("Template " + file + " has no resource " + logicalId);
        }
        return r;
    }

    public JsonNode properties(String logicalId) {
        return resource(logicalId).path("Properties");
    }

    /** Resources of one type, by logical id, in template order. */
    public Map<String, JsonNode> ofType(String type) {
        Map<String, JsonNode> out = new LinkedHashMap<>();
        resources().forEach((id, r) -> {
            if (type.equals(r.path("Type").asText())) {
                out.put(id, r);
            }
        });
        return out;
    }

    public Set<String> parameters() {
        return fields(root.path("Parameters")).keySet();
    }

    public Set<String> conditions() {
        return fields(root.path("Conditions")).keySet();
    }

    /** A value as the tests compare it (see the class comment). */
    public static String text(JsonNode value) {
        if (value == null || value.isMissingNode() || value.isNull()) {
            return null;
        }
        if (value.isValueNode()) {
            return value.asText();
        }
        if (value.isObject() && value.size() == 1) {
            if (value.has("Ref")) {
                return "${" + value.get("Ref").asText() + "}";
            }
            if (value.has("Fn::GetAtt")) {
                JsonNode att = value.get("Fn::GetAtt");
                return att.isArray() ? "${" + att.get(0).asText() + "." + att.get(1).asText() + "}"
                        : "${" + att.asText() + "}";
            }
            if (value.has("Fn::Sub")) {
                JsonNode sub = value.get("Fn::Sub");
                return sub.isArray() ? sub.get(0).asText() : sub.asText();
            }
            if (value.has("Fn::ImportValue")) {
                return "import:" + text(value.get("Fn::ImportValue"));
            }
        }
        return value.toString();
    }

    /** A string or list value as a list of rendered strings (IAM Action/Resource take either). */
    public static List<String> texts(JsonNode value) {
        List<String> out = new ArrayList<>();
        if (value == null || value.isMissingNode()) {
            return out;
        }
        if (value.isArray()) {
            value.forEach(v -> out.add(text(v)));
        } else {
            out.add(text(value));
        }
        return out;
    }

    /**
     * Every name the template refers to (Ref, Fn::GetAtt, ${...} in Fn::Sub, Condition) that it does not define;
     * pseudo parameters (AWS::...) and Fn::Sub's own variables count as defined.
     */
    public List<String> unresolvedReferences() {
        Set<String> defined = new LinkedHashSet<>(resources().keySet());
        defined.addAll(parameters());
        List<String> problems = new ArrayList<>();
        walk(root, "", (path, node) -> {
            if (!node.isObject()) {
                return;
            }
            if (node.has("Ref") && node.size() == 1) {
                String name = node.get("Ref").asText();
                if (!name.startsWith("AWS::") && !defined.contains(name)) {
                    problems.add(path + ": Ref " + name);
                }
            }
            if (node.has("Fn::GetAtt") && node.size() == 1) {
                JsonNode att = node.get("Fn::GetAtt");
                String name = att.isArray() ? att.get(0).asText() : att.asText().split("\\.")[0];
                if (!resources().containsKey(name)) {
                    problems.add(path + ": Fn::GetAtt " + name);
                }
            }
            if (node.has("Fn::Sub") && node.size() == 1) {
                JsonNode sub = node.get("Fn::Sub");
                String template = sub.isArray() ? sub.get(0).asText() : sub.asText();
                Set<String> local = sub.isArray() ? fields(sub.get(1)).keySet() : Set.of();
                Matcher m = SUB_VARIABLE.matcher(template);
                while (m.find()) {
                    String name = m.group(1).split("\\.")[0];
                    if (!name.startsWith("AWS::") && !defined.contains(name) && !local.contains(name)) {
                        problems.add(path + ": ${" + m.group(1) + "} in Fn::Sub");
                    }
                }
            }
            JsonNode condition = node.get("Condition");
            if (condition != null && condition.isTextual() && path.matches("/Resources/[^/]+")
                    && !conditions().contains(condition.asText())) {
                problems.add(path + ": Condition " + condition.asText());
            }
            if (node.has("Fn::If") && node.size() == 1 && !conditions().contains(node.get("Fn::If").get(0).asText())) {
                problems.add(path + ": Fn::If " + node.get("Fn::If").get(0).asText());
            }
        });
        return problems;
    }

    /** One IAM policy statement, with Action and Resource rendered as strings. */
    public record Statement(String where, String effect, List<String> actions, List<String> resources,
                            JsonNode principal, JsonNode condition) {

        public boolean allows(String action) {
            return effect.equals("Allow") && actions.contains(action);
        }
    }

    /** The statements of one policy document. */
    public static List<Statement> statements(String where, JsonNode document) {
        List<Statement> out = new ArrayList<>();
        JsonNode list = document.path("Statement");
        for (JsonNode s : list.isArray() ? list : YAML.createArrayNode().add(list)) {
            out.add(new Statement(where + (s.has("Sid") ? "#" + s.get("Sid").asText() : ""),
                    s.path("Effect").asText(), texts(s.path("Action")), texts(s.path("Resource")),
                    s.path("Principal"), s.path("Condition")));
        }
        return out;
    }

    /** The statements of every policy a role gets from the template: inline policies and its managed policies. */
    public List<Statement> roleStatements(String roleId) {
        JsonNode role = properties(roleId);
        List<Statement> out = new ArrayList<>();
        for (JsonNode p : role.path("Policies")) {
            out.addAll(statements(roleId + "/" + p.path("PolicyName").asText(), p.path("PolicyDocument")));
        }
        for (JsonNode arn : role.path("ManagedPolicyArns")) {
            if (arn.has("Ref") && resources().containsKey(arn.get("Ref").asText())) {
                String policyId = arn.get("Ref").asText();
                out.addAll(statements(policyId, properties(policyId).path("PolicyDocument")));
            }
        }
        return out;
    }

    /** Every policy document in the template: identity policies and resource policies alike. */
    public List<Statement> allStatements() {
        List<Statement> out = new ArrayList<>();
        resources().forEach((id, r) -> {
            JsonNode props = r.path("Properties");
            for (JsonNode p : props.path("Policies")) {
                out.addAll(statements(id + "/" + p.path("PolicyName").asText(), p.path("PolicyDocument")));
            }
            if (props.has("PolicyDocument")) {
                out.addAll(statements(id, props.path("PolicyDocument")));
            }
        });
        return out;
    }

    private static Map<String, JsonNode> fields(JsonNode node) {
        Map<String, JsonNode> out = new LinkedHashMap<>();
        if (node != null && node.isObject()) {
            Iterator<Map.Entry<String, JsonNode>> it = node.fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                out.put(e.getKey(), e.getValue());
            }
        }
        return out;
    }

    private interface Visitor {
        void visit(String path, JsonNode node);
    }

    private static void walk(JsonNode node, String path, Visitor visitor) {
        visitor.visit(path, node);
        if (node.isObject()) {
            fields(node).forEach((k, v) -> walk(v, path + "/" + k, visitor));
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                walk(node.get(i), path + "[" + i + "]", visitor);
            }
        }
    }
}
